import { ValidateBy, ValidationOptions } from 'class-validator';
import { MAX_NAME_CHARS, MAX_TEXT_FIELD_BYTES } from '../cards/card-limits';

/** Each within a card's text limits, so what the API accepts exports to a card that imports again. */
export function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([key, text]) =>
              [...key].length <= MAX_NAME_CHARS &&
              typeof text === 'string' &&
              Buffer.byteLength(text, 'utf8') <= MAX_TEXT_FIELD_BYTES,
          ),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an object whose values are strings of at most ${MAX_TEXT_FIELD_BYTES} bytes (keys at most ${MAX_NAME_CHARS} characters)`,
      },
    },
    options,
  );
}
