import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { Mailbox } from "../lib/mailbox.js";

/** One message of the chat, as ChatWithUsers sends it. */
export interface ChatLine {
  /** Who sent it: the authenticated caller, never an id the message claims. */
  readonly userId: string;
  readonly message: string;
  readonly sendTime: Timestamp;
}

/** Who is connected to ChatWithUsers, as their credentials say. */
export interface ChatMember {
  /** The principal's subject. */
  readonly subject: string;
  /** A support agent, who answers customers, rather than a customer. */
  readonly agent: boolean;
}

/**
 * The support chat: everyone connected to ChatWithUsers is in one room, and
 * each message reaches the members it is for (see `post`), never the others:
 * one customer does not read another's conversation with support.
 */
export class ChatRoom {
  readonly #members = new Map<Mailbox<ChatLine>, ChatMember>();

  /** Joins the room as `member`: the inbox gets what is for them, until `signal` aborts or it is closed. */
  join(member: ChatMember, signal: AbortSignal): Mailbox<ChatLine> {
    const inbox: Mailbox<ChatLine> = new Mailbox({ signal, onClose: () => this.#members.delete(inbox) });
    if (!signal.aborted) {
      this.#members.set(inbox, member);
    }
    return inbox;
  }

  /** Hands `line` to every member but its sender that `isFor` selects; returns how many got it. */
  post(sender: Mailbox<ChatLine>, line: ChatLine, isFor: (member: ChatMember) => boolean): number {
    let delivered = 0;
    for (const [inbox, member] of this.#members) {
      if (inbox !== sender && isFor(member)) {
        inbox.push(line);
        delivered++;
      }
    }
    return delivered;
  }
}
