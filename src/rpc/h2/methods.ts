import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";

/** A method implementation as the spooled.v1 service objects define it (unary, server streaming or bidi). */
export type MethodImpl = (input: any, ctx: HandlerContext) => unknown;

export interface ServedMethod {
  service: DescService;
  method: DescMethod;
  impl: MethodImpl;
}

export interface ServiceBinding {
  service: DescService;
  impl: Record<string, unknown>;
}

/** Request path (`/spooled.v1.QueueService/Enqueue`) to method, for every implemented method of the services. */
export function methodTable(services: ServiceBinding[]): Map<string, ServedMethod> {
  const table = new Map<string, ServedMethod>();
  for (const { service, impl } of services) {
    for (const method of service.methods) {
      const fn = impl[method.localName];
      if (typeof fn === "function") table.set(`/${service.typeName}/${method.name}`, { service, method, impl: fn.bind(impl) as MethodImpl });
    }
  }
  return table;
}
