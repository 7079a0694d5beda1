export const TEMPLATE_DB = 'fhir_test_template';
export const APP_LOGIN = 'fhir_api_test';
/** The tenant-context key of the test databases (registered in the template by global-setup). */
export const TEST_CONTEXT_KEY = 'test-context-key-0123456789abcdef0123456789abcdef';

export function withDatabase(url: string, database: string, user?: { name: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user.name;
    u.password = user.password;
  }
  return u.toString();
}
