import type { TestingModule } from '@nestjs/testing';

/** The module of the Jest example, shown being created in the document's first snippet. */
export declare const moduleRef: TestingModule;
