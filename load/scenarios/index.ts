import { chatScenario } from './chat';
import { idleScenario } from './idle';
import { longScenario } from './long';
import { nodeFailuresScenario } from './node-failures';
import { openaiScenario } from './openai';
import { proofsScenario } from './proofs';
import { reconnectScenario } from './reconnect';
import type { Scenario } from './scenario';

/** Every scenario `npm run load -- --scenario NAME` knows, in the order --help lists them; the first is the default. */
export const SCENARIOS: Scenario[] = [
  chatScenario,
  openaiScenario,
  longScenario,
  proofsScenario,
  idleScenario,
  reconnectScenario,
  nodeFailuresScenario,
];
