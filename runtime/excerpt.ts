/** The default length of an {@link excerpt}, in characters. */
export const DEFAULT_EXCERPT_CHARS = 64;

/**
 * `text` as a status message may quote it: whole when it has at most
 * `maxChars` characters, else its start and a marker that says how long it
 * was (`abc… (truncated: 200000 characters)`). For ids, paths and names a
 * caller sent: a message that echoes them whole lets a caller choose how
 * large the answer is.
 *
 * @example
 * throw new RpcError(Code.NOT_FOUND, `order ${excerpt(req.orderId)} not found`);
 */
export function excerpt(text: string, maxChars = DEFAULT_EXCERPT_CHARS): string {
  if (text.length <= maxChars) {
    return text;
  }
  let end = maxChars;
  // Never split a surrogate pair: half of one cannot be sent.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end--;
  }
  return `${text.slice(0, end)}… (truncated: ${text.length} characters)`;
}
