import { Redis } from 'ioredis';
import type { ModelEvent, ModelEventTransport } from '../ops/internal.js';

/** JSON of an event, bigints as text. */
function encode(event: ModelEvent): string {
  return JSON.stringify(event, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

/**
 * Model events through Redis pub/sub: every process of the app publishes its writes to one
 * channel and hands what arrives on it to its own subscribers (its own writes included).
 * At most once: a process that is not connected when an event is published misses it.
 */
export class RedisModelEvents implements ModelEventTransport {
  readonly #url: string;
  readonly #channel: string;
  #publisher: Redis | undefined;
  #subscriber: Redis | undefined;

  constructor(url: string, channel: string) {
    this.#url = url;
    this.#channel = channel;
  }

  async start(deliver: (event: ModelEvent) => void): Promise<void> {
    this.#publisher = new Redis(this.#url, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.#subscriber = new Redis(this.#url, { lazyConnect: true });
    await Promise.all([this.#publisher.connect(), this.#subscriber.connect()]);
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      let event: ModelEvent;
      try {
        event = JSON.parse(message) as ModelEvent;
      } catch {
        return;
      }
      deliver(event);
    });
    await this.#subscriber.subscribe(this.#channel);
  }

  async send(event: ModelEvent): Promise<void> {
    await this.#publisher?.publish(this.#channel, encode(event));
  }

  async stop(): Promise<void> {
    const clients = [this.#publisher, this.#subscriber];
    this.#publisher = undefined;
    this.#subscriber = undefined;
    await Promise.all(clients.map((c) => c?.quit().catch(() => c.disconnect())));
  }
}
