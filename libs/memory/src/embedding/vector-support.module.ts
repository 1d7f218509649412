import { DynamicModule, Module } from '@nestjs/common';
import { EMBEDDER, type Embedder } from './embedder';
import { LexicalEmbedder } from './lexical-embedder';
import { MemoryEmbeddingRepository } from './memory-embedding.repository';
import { VECTOR_SUPPORT_OPTIONS, VectorSupport, type VectorSupportOptions } from './vector-support';

@Module({})
class VectorSupportOptionsModule {}

@Module({
  providers: [
    MemoryEmbeddingRepository,
    VectorSupport,
    {
      provide: EMBEDDER,
      useFactory: (options?: VectorSupportOptions): Embedder => options?.embedder ?? new LexicalEmbedder(),
      inject: [{ token: VECTOR_SUPPORT_OPTIONS, optional: true }],
    },
  ],
  exports: [MemoryEmbeddingRepository, VectorSupport],
})
export class VectorSupportModule {
  /** Once in an app's root module to set the mode or the embedder; without it, mode is `auto`, lexical. */
  static forRoot(options: VectorSupportOptions): DynamicModule {
    return {
      module: VectorSupportOptionsModule,
      global: true,
      providers: [{ provide: VECTOR_SUPPORT_OPTIONS, useValue: options }],
      exports: [VECTOR_SUPPORT_OPTIONS],
    };
  }
}
