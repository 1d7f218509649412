export * from './persona-content';
export * from './persona-hash';
export * from './persona.view';
export * from './personas.module';
export * from './personas.service';
export * from './persona-defaults';
export * from './cards';
export * from './dto/limits';
