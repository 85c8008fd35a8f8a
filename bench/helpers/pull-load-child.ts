import { childMain } from './child.ts';
import { pullLoad, type PullLoadInput, type PullLoadResult } from './pull-load.ts';

childMain<PullLoadInput, PullLoadResult>(pullLoad);
