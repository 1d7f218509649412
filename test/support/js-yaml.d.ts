// js-yaml ships with @nestjs/swagger (a dependency) but without types; the compose test needs only `load`.
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
