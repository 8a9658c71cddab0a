import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Mailbox } from "../lib/mailbox.js";

/** One message of the chat, as ChatWithUsers sends it. */
export interface ChatLine {
  readonly userId: string;
  readonly message: string;
  readonly sendTime: Timestamp;
}

/**
 * The support chat: everyone connected to ChatWithUsers is in one room, and
 * what one member says reaches all the others.
 */
export class ChatRoom {
  readonly #members = new Set<Mailbox<ChatLine>>();

  /** Joins the room: the inbox gets what the others say, until `signal` aborts or it is closed. */
  join(signal: AbortSignal): Mailbox<ChatLine> {
    const inbox: Mailbox<ChatLine> = new Mailbox({ signal, onClose: () => this.#members.delete(inbox) });
    if (!signal.aborted) {
      this.#members.add(inbox);
    }
    return inbox;
  }

  /** Hands `line` to every member but its sender; returns how many got it. */
  post(sender: Mailbox<ChatLine>, line: ChatLine): number {
    let delivered = 0;
    for (const member of this.#members) {
      if (member !== sender) {
        member.push(line);
        delivered++;
      }
    }
    return delivered;
  }
}
