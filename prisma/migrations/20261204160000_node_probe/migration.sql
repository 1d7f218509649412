-- When the router last reached the node at its registered URL and the node proved it holds its key (a signed probe
-- answer). Null until the first probe after (re-)registration: a node is routable and counted only once probed.
ALTER TABLE "Node" ADD COLUMN "probedAt" TIMESTAMP(3);
