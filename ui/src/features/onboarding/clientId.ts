/** Xero's client ids: 32 characters, capital letters and digits (the api's `client_id_problem`, the same rule). */
export const CLIENT_ID_LENGTH = 32;

/** What is wrong with a client id as typed, or `null` when it has Xero's shape. Spaces around it are ignored. */
export function clientIdProblem(typed: string): string | null {
  const id = typed.trim();
  if (id === "") return "Paste the client id of your app at developer.xero.com.";
  const odd = [...id].find((c) => !/[A-Za-z0-9]/.test(c));
  if (odd !== undefined) return `A client id has only letters and digits: remove “${odd}”.`;
  if (/[a-z]/.test(id)) return "A Xero client id is in capital letters: copy it from your app rather than typing it.";
  if (id.length !== CLIENT_ID_LENGTH) {
    return `A Xero client id has ${CLIENT_ID_LENGTH} characters; this has ${id.length}. Copy the whole of it.`;
  }
  return null;
}

/** The first sync's calls, about: one per stream, and one per further thousand documents of a kind. */
export const STREAMS = 21;
export const PAGE = 1000;
