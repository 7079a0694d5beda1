/**
 * The R4 id rule (§2.1.0.4: [A-Za-z0-9\-\.]{1,64}), the one definition of it: ids in URLs, bodies,
 * Bundle entries, references and search values are all checked against this.
 */
// No backslash (the hyphen last instead of escaped): the pattern also goes into FHIRPath string
// literals (search/reference-type.ts), whose escaping would change it.
export const ID_PATTERN = '[A-Za-z0-9.-]{1,64}';

const ID = new RegExp(`^${ID_PATTERN}$`);

export function isId(value: unknown): boolean {
  return typeof value === 'string' && ID.test(value);
}
