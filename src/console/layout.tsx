import type { Context } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ConsoleEnv } from './env.js';
import type { Flash } from './session.js';
import { CONSOLE_PATH } from './guard.js';

export const url = (path: string) => `${CONSOLE_PATH}${path}`;

/** The hidden CSRF field every state-changing form carries. */
export const Csrf = ({ token }: { token: string }) => <input type="hidden" name="_csrf" value={token} />;

/** A message: its kind is said in words (and an icon of text), never by colour alone. */
export const Message = ({ flash }: { flash: Flash }) => (
  <div class={`message message-${flash.kind}`} role={flash.kind === 'error' ? 'alert' : 'status'}>
    <strong>{flash.kind === 'error' ? 'Error: ' : 'Done: '}</strong>{flash.text}
  </div>
);

const NAV: [string, string][] = [['/tenants', 'Tenants'], ['/policies', 'Access policies'], ['/audit', 'Audit log']];

interface PageProps {
  title: string;
  /** Which nav entry is the current page. */
  section?: string;
  csrf?: string;
  flash?: Flash | undefined;
  /** Seconds before the page reloads itself (progress of a running job). */
  refresh?: number | undefined;
  children?: Child;
}

const Page = (p: PageProps) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {p.refresh !== undefined ? <meta http-equiv="refresh" content={String(p.refresh)} /> : null}
      <title>{`${p.title} · FHIR console`}</title>
      <link rel="stylesheet" href={url('/static/console.css')} />
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">FHIR console</span>
        {p.csrf !== undefined ? (
          <nav aria-label="Console">
            <ul>
              {NAV.map(([path, label]) => (
                <li><a href={url(path)} aria-current={p.section === path ? 'page' : undefined}>{label}</a></li>
              ))}
            </ul>
            <form method="post" action={url('/logout')} class="logout">
              <Csrf token={p.csrf} />
              <button type="submit">Log out</button>
            </form>
          </nav>
        ) : null}
      </header>
      <main id="main" tabindex={-1}>
        <h1>{p.title}</h1>
        {p.flash ? <Message flash={p.flash} /> : null}
        {p.children}
      </main>
    </body>
  </html>
);

/** Renders a page of the logged-in console (the session's flash is shown once, then dropped). */
export function render(c: Context<ConsoleEnv>, props: Omit<PageProps, 'csrf'>, status: 200 | 400 | 403 | 404 | 409 | 500 = 200) {
  const session = c.var.session;
  const flash = props.flash ?? session.flash;
  session.flash = undefined;
  return c.html(html`<!DOCTYPE html>${<Page {...props} csrf={session.csrf} flash={flash} />}`, status);
}

/** A page before login (no session yet). */
export function renderPublic(c: Context<ConsoleEnv>, props: PageProps, status: 200 | 401 | 403 = 200) {
  return c.html(html`<!DOCTYPE html>${<Page {...props} />}`, status);
}

/** After a POST: show `flash` on the page it redirects to. */
export function redirectWith(c: Context<ConsoleEnv>, to: string, flash: Flash) {
  c.var.session.flash = flash;
  return c.redirect(url(to), 303);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
