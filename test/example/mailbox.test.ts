import { Code } from "grpckit";
import { describe, expect, test } from "vitest";
import { Mailbox, Topic } from "../../example/lib/mailbox.js";

describe("the example's mailboxes, which carry store changes to open streams", () => {
  test("a mailbox hands out what was pushed, in order, then its end", async () => {
    const mailbox = new Mailbox<number>();
    const first = mailbox.next();
    mailbox.push(1);
    mailbox.push(2);
    mailbox.close();
    mailbox.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await mailbox.next()).toEqual({ value: 2, done: false });
    expect(await mailbox.next()).toEqual({ value: undefined, done: true });
  });

  test("a reader that falls too far behind gets RESOURCE_EXHAUSTED after what it had", async () => {
    const mailbox = new Mailbox<number>({ capacity: 2 });
    for (const n of [1, 2, 3, 4]) {
      mailbox.push(n);
    }
    const read: number[] = [];
    await expect(
      (async () => {
        for await (const n of mailbox) {
          read.push(n);
        }
      })(),
    ).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    expect(read).toEqual([1, 2]);
  });

  test("a subscription sees what is published after it subscribed, and ends with its signal", async () => {
    const topic = new Topic<string>();
    topic.publish("before");
    const controller = new AbortController();
    const even = topic.subscribe(controller.signal, (value) => value.length % 2 === 0);
    const all = topic.subscribe(controller.signal);
    topic.publish("ab");
    topic.publish("abc");
    const waiting = all.next();
    expect(await waiting).toEqual({ value: "ab", done: false });
    expect(await all.next()).toEqual({ value: "abc", done: false });
    const pending = all.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await even.next()).toEqual({ value: "ab", done: false });
    expect(await even.next()).toEqual({ value: undefined, done: true });

    // Subscribing with an aborted signal gives an ended subscription.
    const late = topic.subscribe(controller.signal);
    topic.publish("cd");
    expect(await late.next()).toEqual({ value: undefined, done: true });
  });
});
