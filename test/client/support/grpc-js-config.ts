import { Channel, credentials } from "@grpc/grpc-js";

/**
 * Gives `config` to a grpc-js channel as its `grpc.service_config`, as the
 * pool does; grpc-js validates it when the channel is made and throws on
 * what it refuses. Only public API: the channel never connects (nothing
 * is called on it) and is closed at once.
 */
export function acceptedByGrpcJs(config: object): void {
  const channel = new Channel("127.0.0.1:1", credentials.createInsecure(), {
    "grpc.service_config": JSON.stringify(config),
  });
  channel.close();
}
