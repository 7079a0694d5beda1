import { FhirError } from '../core/errors.js';
import type { FhirExtensions, OperationHandler } from '../fhir/extensions.js';
import { kickOff } from './export-kickoff.js';
import { exportFile, exportStatus } from './export-status.js';
import { FILE_OPERATION, STATUS_OPERATION } from './export-urls.js';

/*
 * Bulk Data export as it plugs into the FHIR core (fhir/extensions.ts): the three kick-offs,
 * and the status and file URLs the kick-off hands out, as system-level operations of the same base.
 */

const KICK_OFF_METHODS = new Set(['GET', 'POST']);

function kickOffAt(level: 'system' | 'patient' | 'group'): OperationHandler {
  return async (c, deps, id) => {
    if (!KICK_OFF_METHODS.has(c.req.method)) throw FhirError.notAllowed('$export is kicked off with GET or POST');
    if (level === 'patient' && id !== undefined) throw FhirError.notFound('Patient-level export is [base]/Patient/$export (for one patient, use the patient parameter)');
    if (level === 'group' && id === undefined) throw FhirError.badRequest('Group-level export is [base]/Group/{id}/$export');
    return kickOff(c, deps, level, id);
  };
}

/** The Bulk Data Access IG's canonicals. */
const IG = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';

export function bulkExtensions(): FhirExtensions {
  return {
    storedTypes: new Map(),
    operations: new Map<string, OperationHandler>([
      ['$export', kickOffAt('system')],
      ['Patient/$export', kickOffAt('patient')],
      ['Group/$export', kickOffAt('group')],
      [STATUS_OPERATION, exportStatus],
      [FILE_OPERATION, exportFile],
    ]),
    definitions: new Map([
      ['$export', `${IG}/export`],
      ['Patient/$export', `${IG}/patient-export`],
      ['Group/$export', `${IG}/group-export`],
    ]),
  };
}
