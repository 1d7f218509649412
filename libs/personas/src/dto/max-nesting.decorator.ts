import { jsonDepth } from '@app/common';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { MAX_EXTENSION_DEPTH } from '../cards/card-limits';

/** No deeper than a card import allows (the object is one level), so API input exports to a card that imports again. */
export function MaxNesting(
  levels: number = MAX_EXTENSION_DEPTH,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxNesting',
      constraints: [levels],
      validator: {
        validate: (value: unknown) => jsonDepth(value, levels) <= levels,
        defaultMessage: (args) => `${args?.property ?? 'value'} nests deeper than ${levels} levels`,
      },
    },
    options,
  );
}
