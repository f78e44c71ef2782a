import type { Engine } from "../engine/context";
import { ActiveStreams } from "./active-streams";
import { QueueFeeds } from "./queue-feed";

/**
 * What the spooled.v1 services of one server share, built once by the grpc feature: the engine, the streams still
 * handing back their jobs (shutdown waits for them), and the idle streaming workers per queue.
 */
export class RpcNode {
  readonly streams = new ActiveStreams();
  readonly feeds: QueueFeeds;

  constructor(readonly engine: Engine) {
    this.feeds = new QueueFeeds(engine);
  }
}
