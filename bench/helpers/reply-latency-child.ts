import { childMain } from './child.ts';
import { replyLatency, type ReplyLatencyInput, type ReplyLatencyResult } from './reply-latency.ts';

childMain<ReplyLatencyInput, ReplyLatencyResult>(replyLatency);
