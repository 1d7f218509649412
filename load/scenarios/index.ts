import { chatScenario } from './chat';
import { longScenario } from './long';
import { openaiScenario } from './openai';
import { proofsScenario } from './proofs';
import type { Scenario } from './scenario';

/** Every scenario `npm run load -- --scenario NAME` knows, in the order --help lists them; the first is the default. */
export const SCENARIOS: Scenario[] = [chatScenario, openaiScenario, longScenario, proofsScenario];
