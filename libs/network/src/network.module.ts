import { Module } from '@nestjs/common';
import { LocalNode } from './local-node';
import { NodesRepository } from './nodes.repository';

@Module({ providers: [NodesRepository, LocalNode], exports: [NodesRepository, LocalNode] })
export class NetworkModule {}
