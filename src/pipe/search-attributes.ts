import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

/**
 * The custom search attributes pipes keep up to date, so the Temporal UI's
 * filter and `temporal workflow list --query "PipeStatus='Running'"` find
 * pipes by name and status. The project's dev server and docker-compose
 * register them; on another server, `temporal operator search-attribute
 * create` does (until then the pipes simply do not set them).
 */
export const PIPE_NAME_ATTRIBUTE = defineSearchAttributeKey('PipeName', SearchAttributeType.KEYWORD);
export const PIPE_STATUS_ATTRIBUTE = defineSearchAttributeKey('PipeStatus', SearchAttributeType.KEYWORD);
export const PIPE_SEARCH_ATTRIBUTES = [PIPE_NAME_ATTRIBUTE, PIPE_STATUS_ATTRIBUTE];
