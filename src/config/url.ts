// Webhook URLs as config holds them ("{pool}" inside): whether one carries credentials, and
// how to show one without its password. The loader refuses credentials at start-up; the
// webhook actuator refuses them too, so no code path sends or logs one.

/** Whether a URL carries a user name or password (`http://user:pass@host/`). */
export function urlCredentials(text: string): boolean {
  try {
    const url = new URL(text.replaceAll('{pool}', 'pool'));
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

/** The URL with any user name and password replaced by `***`, for messages and logs. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}
