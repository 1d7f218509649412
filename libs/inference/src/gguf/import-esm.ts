import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';

type Importer = (url: string) => Promise<unknown>;

// Loads an ES module from this CommonJS code base. node-llama-cpp is ESM with top-level await, so require() cannot
// load it (ERR_REQUIRE_ASYNC_MODULE), and swc compiles a literal import() into require(). A Function body keeps a
// real import(). Under jest (CommonJS in a vm context, no --experimental-vm-modules) that import is refused; a script
// compiled with Node's main-context loader imports it there, with an ExperimentalWarning on Node 20.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const nativeImport = new Function('url', 'return import(url)') as Importer;

let mainContextImport: Importer | undefined;

function viaMainContext(url: string): Promise<unknown> {
  mainContextImport ??= new vm.Script('(url) => import(url)', {
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }).runInThisContext() as Importer;
  return mainContextImport(url);
}

/** `resolved` is a file path (from require.resolve), so no loader has to resolve a bare name from here. */
export async function importEsm<T>(resolved: string): Promise<T> {
  const url = pathToFileURL(resolved).href;
  try {
    return (await nativeImport(url)) as T;
  } catch (error) {
    if (!/dynamic import callback|experimental-vm-modules/i.test(String(error))) throw error;
    return (await viaMainContext(url)) as T;
  }
}
