import { describe, expect, it } from 'vitest';
import { csrfMatches, SessionStore } from '../../src/console/session.js';

describe('console sessions', () => {
  it('end after the idle timeout, and each visit restarts the clock', () => {
    let now = 0;
    const store = new SessionStore(1000, 10, () => now);
    const s = store.create('token');
    now = 900;
    expect(store.get(s.id)).toBe(s);
    now = 1800;
    expect(store.get(s.id)).toBe(s);
    now = 2801;
    expect(store.get(s.id)).toBeUndefined();
    expect(store.get(s.id)).toBeUndefined();
  });

  it('have random ids and CSRF tokens that hold no credential, and are bounded in number', () => {
    const store = new SessionStore(60_000, 2);
    const [a, b, c] = [store.create('secret-admin-token'), store.create('secret-admin-token'), store.create('secret-admin-token')];
    expect(new Set([a.id, b.id, c.id, a.csrf]).size).toBe(4);
    expect(a.id).not.toContain('secret');
    expect(store.get(a.id)).toBeUndefined();
    expect(store.get(c.id)).toBe(c);
    store.end(c.id);
    expect(store.get(c.id)).toBeUndefined();
  });

  it('accept only the session\'s own CSRF token', () => {
    const store = new SessionStore(60_000);
    const [a, b] = [store.create('t'), store.create('t')];
    expect(csrfMatches(a, a.csrf)).toBe(true);
    expect(csrfMatches(a, b.csrf)).toBe(false);
    expect(csrfMatches(a, undefined)).toBe(false);
    expect(csrfMatches(a, '')).toBe(false);
  });
});
