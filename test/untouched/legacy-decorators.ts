/**
 * `experimentalDecorators` with `emitDecoratorMetadata`: compiled on its
 * own, since those options change how every decorator in a program is
 * emitted.
 */
const registry: string[] = [];

function component(name: string) {
  return <T extends new (...args: any[]) => object>(constructor: T) => {
    registry.push(name);
    return constructor;
  };
}

function readonly(target: object, key: string, descriptor: PropertyDescriptor) {
  descriptor.writable = false;
  return descriptor;
}

function inject(token: string) {
  return (target: object, key: string | symbol | undefined, index: number) => {
    registry.push(`${token}@${String(key)}#${index}`);
  };
}

function field(target: object, key: string) {
  registry.push(`field ${key}`);
}

@component("service")
export class Service {
  @field label = "service";

  constructor(@inject("http") private readonly url: string) {}

  @readonly
  endpoint(path: string): string {
    return `${this.url}/${path}`;
  }
}

export { registry };
