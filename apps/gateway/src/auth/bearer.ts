/** The key of `Authorization: Bearer <key>`, or undefined when the header is missing or not a bearer token. */
export function parseBearer(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i.exec(header);
  return m?.[1];
}
