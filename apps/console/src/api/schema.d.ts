// Generated from the auth-gateway's OpenAPI document by apps/console/scripts/api-schema.mjs
// (openapi-typescript). Do not edit: run `npx nx run console:api-schema`.

export interface paths {
    "/clearml/serve/enqueue_task": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run a registered task (compatible with the Snap4City Node-RED block)
         * @description Answers `{status: "queued", task_id: <cloned ClearML task id>, run_id, queue}` once ClearML accepted the run; if that takes longer than the gateway waits, 202 with the run id and its current status.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The Snap4City access token, if not sent as a bearer token */
                        access_token?: string;
                        /** @description Parameters: a JSON object or JSON text */
                        params?: unknown;
                        /** @description Queue name, if not the task’s default */
                        queue?: string | null;
                        /** @description Public id of the registered task (64 hex characters) */
                        task_id: string;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            queue: string;
                            /** Format: uuid */
                            run_id: string;
                            /** @enum {string} */
                            status: "queued";
                            task_id: string;
                        };
                    };
                };
                /** @description Accepted */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            queue: string;
                            /** Format: uuid */
                            run_id: string;
                            /** @enum {string} */
                            status: "accepted" | "retrying" | "queued" | "in_progress" | "completed" | "failed" | "stopped";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Upstream error */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/clearml/serve/ondemand": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Call a model (compatible with the Snap4City Node-RED block)
         * @description Answers with the model's JSON as-is. The token may be sent as `access_token` in the body.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The Snap4City access token, if not sent as a bearer token */
                        access_token?: string;
                        endpoint: string;
                        /** @description Public id of the serving machine (64 hex characters) */
                        machine_id: string;
                        /** @description Model input: a JSON value, or JSON text (the block sends its editor field as text) */
                        params?: unknown;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "*/*": unknown;
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Upstream error */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Unavailable or circuit open */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Upstream timeout */
                504: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openai/v1/chat/completions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Chat with an LLM endpoint (OpenAI-compatible)
         * @description `model` is a model of `GET /openai/v1/models`: an LLM endpoint name, or `<machine name>/<endpoint>` when that name is on several machines the caller may use. An endpoint the caller may not use answers 404 as an unknown one does.
         *
         *     With `stream: true` the answer is `text/event-stream`: one `data: {chunk}` event per piece of the answer as the model produces it (`chat.completion.chunk` / `text_completion` objects), ended by `data: [DONE]`. With `stream_options: {include_usage: true}` a last chunk with empty `choices` carries `usage`. A failure after the answer started is an event `data: {"error": {...}}` followed by `data: [DONE]`. The endpoint's timeout applies to the first token and to each gap between tokens, not to the whole answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The conversation, as OpenAI defines it */
                        messages: ({
                            role: string;
                        } & {
                            [key: string]: unknown;
                        })[];
                        /** @description A model of GET /openai/v1/models: `<endpoint>` or `<machine>/<endpoint>` */
                        model: string;
                        /** @description Answer with server-sent events, one chunk per token or so, ended by `data: [DONE]` */
                        stream?: boolean | null;
                        stream_options?: ({
                            /** @description Send a last chunk with `usage` and no choices */
                            include_usage?: boolean | null;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            choices: ({
                                index: number;
                                message: {
                                    content: string | null;
                                    role: string;
                                } & {
                                    [key: string]: unknown;
                                };
                            } & {
                                [key: string]: unknown;
                            })[];
                            created: number;
                            id: string;
                            model: string;
                            /** @enum {string} */
                            object: "chat.completion";
                            usage: {
                                completion_tokens?: number;
                                prompt_tokens: number;
                                total_tokens: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } & {
                            [key: string]: unknown;
                        };
                        "text/event-stream": string;
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Upstream error */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unavailable or circuit open */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Upstream timeout */
                504: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openai/v1/completions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Complete a prompt with an LLM endpoint (OpenAI-compatible)
         * @description `model` is a model of `GET /openai/v1/models`: an LLM endpoint name, or `<machine name>/<endpoint>` when that name is on several machines the caller may use. An endpoint the caller may not use answers 404 as an unknown one does.
         *
         *     With `stream: true` the answer is `text/event-stream`: one `data: {chunk}` event per piece of the answer as the model produces it (`chat.completion.chunk` / `text_completion` objects), ended by `data: [DONE]`. With `stream_options: {include_usage: true}` a last chunk with empty `choices` carries `usage`. A failure after the answer started is an event `data: {"error": {...}}` followed by `data: [DONE]`. The endpoint's timeout applies to the first token and to each gap between tokens, not to the whole answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        model: string;
                        prompt: string | string[] | number[] | number[][];
                        stream?: boolean | null;
                        stream_options?: ({
                            /** @description Send a last chunk with `usage` and no choices */
                            include_usage?: boolean | null;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            choices: ({
                                index: number;
                                text: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                            created: number;
                            id: string;
                            model: string;
                            /** @enum {string} */
                            object: "text_completion";
                            usage: {
                                completion_tokens?: number;
                                prompt_tokens: number;
                                total_tokens: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } & {
                            [key: string]: unknown;
                        };
                        "text/event-stream": string;
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Upstream error */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unavailable or circuit open */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Upstream timeout */
                504: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openai/v1/embeddings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Embed text with an LLM endpoint (OpenAI-compatible)
         * @description `model` is a model of `GET /openai/v1/models`: an LLM endpoint name, or `<machine name>/<endpoint>` when that name is on several machines the caller may use. An endpoint the caller may not use answers 404 as an unknown one does.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string|null} */
                        encoding_format?: "float" | "base64" | null;
                        input: string | string[] | number[] | number[][];
                        model: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                /** @description Floats, or base64 of little-endian float32 with encoding_format=base64 */
                                embedding: number[] | string;
                                index: number;
                                /** @enum {string} */
                                object: "embedding";
                            }[];
                            model: string;
                            /** @enum {string} */
                            object: "list";
                            usage: {
                                completion_tokens?: number;
                                prompt_tokens: number;
                                total_tokens: number;
                            } & {
                                [key: string]: unknown;
                            };
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Upstream error */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unavailable or circuit open */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Upstream timeout */
                504: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openai/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The LLM endpoints the caller may use (OpenAI-compatible)
         * @description Enabled endpoints of enabled `openai` machines shared with the caller; `id` is what `model` takes.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                /** @description Unix time the endpoint was registered */
                                created: number;
                                endpoint: string;
                                /** @description What `model` takes: the endpoint name, or `<machine>/<endpoint>` where the name is on several machines */
                                id: string;
                                /** @description The machine's name */
                                machine: string;
                                /** @description The machine's public id, which on-demand callers know it by (a router of an earlier release leaves it out) */
                                machine_id?: string;
                                /** @enum {string} */
                                object: "model";
                                /** @description The user who registered the endpoint */
                                owned_by: string;
                            }[];
                            /** @enum {string} */
                            object: "list";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openai/v1/models/{model}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One LLM endpoint the caller may use (OpenAI-compatible)
         * @description The entry of `GET /openai/v1/models` whose `id` is `model` (a `<machine name>/<endpoint>` id may come with its slash encoded or not); 404 `model_not_found` for a model the caller may not use, as for an unknown one.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Unix time the endpoint was registered */
                            created: number;
                            endpoint: string;
                            /** @description What `model` takes: the endpoint name, or `<machine>/<endpoint>` where the name is on several machines */
                            id: string;
                            /** @description The machine's name */
                            machine: string;
                            /** @description The machine's public id, which on-demand callers know it by (a router of an earlier release leaves it out) */
                            machine_id?: string;
                            /** @enum {string} */
                            object: "model";
                            /** @description The user who registered the endpoint */
                            owned_by: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description ClearGate's error code, or OpenAI's (model_not_found, model_ambiguous) */
                                code: string | null;
                                message: string;
                                /** @description The request field at fault, if any */
                                param: string | null;
                                /** @description invalid_request_error, authentication_error, permission_error, not_found_error, server_error... */
                                type: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The audit log: who suspended or reinstated whom and changed which limits, when and why (newest first) */
        get: {
            parameters: {
                query?: {
                    action?: "user.suspend" | "user.unsuspend" | "limits.set" | "limits.delete";
                    actor?: string;
                    cursor?: string;
                    limit?: number;
                    since?: string;
                    target?: string;
                    until?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @enum {string} */
                                action: "user.suspend" | "user.unsuspend" | "limits.set" | "limits.delete";
                                actor: string;
                                /** Format: date-time */
                                at: string;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: uuid */
                                id: string;
                                reason: string | null;
                                target: string;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/suspensions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List suspended users */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                reason: string;
                                /** Format: date-time */
                                suspended_at: string;
                                suspended_by: string;
                                username: string;
                            }[];
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/suspensions/{username}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Suspend a user: every request of theirs is refused with 403 until the suspension is lifted
         * @description With `stop_runs`, their runs that are not finished are stopped through ClearML. The action is audited.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    username: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Shown to the user with every refusal, and kept in the audit record */
                        reason: string;
                        /**
                         * @description Also stop the user's runs that are not finished, through ClearML
                         * @default false
                         */
                        stop_runs?: boolean;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            reason: string;
                            runs_stopped: number;
                            /** Format: date-time */
                            suspended_at: string;
                            suspended_by: string;
                            username: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        post?: never;
        /** Lift a user's suspension */
        delete: {
            parameters: {
                query?: {
                    reason?: string;
                };
                header?: never;
                path: {
                    username: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            lifted: true;
                            username: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List on-demand endpoints (your own; all for administrators) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    machine_id?: string;
                    name?: string;
                    sort?: "-created_at" | "created_at" | "name" | "-name";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                count_predictions: {
                                    json_path: string;
                                    /** @default 20 */
                                    max_values: number;
                                } | null;
                                /** Format: date-time */
                                created_at: string;
                                enabled: boolean;
                                /** Format: uuid */
                                id: string;
                                machine_id: string;
                                machine_name: string;
                                max_in_flight: number | null;
                                name: string;
                                owner: string;
                                owner_subject: string | null;
                                path: string | null;
                                shared_with: {
                                    /** @default [] */
                                    groups: string[];
                                    /** @default [] */
                                    roles: string[];
                                    /** @default [] */
                                    users: string[];
                                };
                                timeout_ms: number;
                                /** Format: date-time */
                                updated_at: string;
                                /** @enum {string} */
                                visibility: "public" | "private" | "shared";
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register an on-demand endpoint on a machine */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        count_predictions?: {
                            json_path: string;
                            /** @default 20 */
                            max_values?: number;
                        } | null;
                        enabled?: boolean;
                        machine_id: string;
                        max_in_flight?: number | null;
                        name: string;
                        path?: string | null;
                        shared_with?: {
                            /** @default [] */
                            groups?: string[];
                            /** @default [] */
                            roles?: string[];
                            /** @default [] */
                            users?: string[];
                        };
                        timeout_ms?: number;
                        /** @enum {string} */
                        visibility?: "public" | "private" | "shared";
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count_predictions: {
                                json_path: string;
                                /** @default 20 */
                                max_values: number;
                            } | null;
                            /** Format: date-time */
                            created_at: string;
                            enabled: boolean;
                            /** Format: uuid */
                            id: string;
                            machine_id: string;
                            machine_name: string;
                            max_in_flight: number | null;
                            name: string;
                            owner: string;
                            owner_subject: string | null;
                            path: string | null;
                            shared_with: {
                                /** @default [] */
                                groups: string[];
                                /** @default [] */
                                roles: string[];
                                /** @default [] */
                                users: string[];
                            };
                            timeout_ms: number;
                            /** Format: date-time */
                            updated_at: string;
                            /** @enum {string} */
                            visibility: "public" | "private" | "shared";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Conflict */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/endpoints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an endpoint */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count_predictions: {
                                json_path: string;
                                /** @default 20 */
                                max_values: number;
                            } | null;
                            /** Format: date-time */
                            created_at: string;
                            enabled: boolean;
                            /** Format: uuid */
                            id: string;
                            machine_id: string;
                            machine_name: string;
                            max_in_flight: number | null;
                            name: string;
                            owner: string;
                            owner_subject: string | null;
                            path: string | null;
                            shared_with: {
                                /** @default [] */
                                groups: string[];
                                /** @default [] */
                                roles: string[];
                                /** @default [] */
                                users: string[];
                            };
                            timeout_ms: number;
                            /** Format: date-time */
                            updated_at: string;
                            /** @enum {string} */
                            visibility: "public" | "private" | "shared";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete an endpoint */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            deleted: true;
                            /** Format: uuid */
                            id: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change an endpoint */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        count_predictions?: {
                            json_path: string;
                            /** @default 20 */
                            max_values?: number;
                        } | null;
                        enabled?: boolean;
                        max_in_flight?: number | null;
                        name?: string;
                        path?: string | null;
                        shared_with?: {
                            /** @default [] */
                            groups?: string[];
                            /** @default [] */
                            roles?: string[];
                            /** @default [] */
                            users?: string[];
                        };
                        timeout_ms?: number;
                        /** @enum {string} */
                        visibility?: "public" | "private" | "shared";
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count_predictions: {
                                json_path: string;
                                /** @default 20 */
                                max_values: number;
                            } | null;
                            /** Format: date-time */
                            created_at: string;
                            enabled: boolean;
                            /** Format: uuid */
                            id: string;
                            machine_id: string;
                            machine_name: string;
                            max_in_flight: number | null;
                            name: string;
                            owner: string;
                            owner_subject: string | null;
                            path: string | null;
                            shared_with: {
                                /** @default [] */
                                groups: string[];
                                /** @default [] */
                                roles: string[];
                                /** @default [] */
                                users: string[];
                            };
                            timeout_ms: number;
                            /** Format: date-time */
                            updated_at: string;
                            /** @enum {string} */
                            visibility: "public" | "private" | "shared";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Conflict */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the limit rules */
        get: {
            parameters: {
                query?: {
                    scope?: "role" | "user" | "endpoint" | "task";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                id: string;
                                limits: {
                                    burst?: number | null;
                                    calls_per_second?: number | null;
                                    max_concurrent_runs?: number | null;
                                    max_in_flight?: number | null;
                                    runs_per_day?: number | null;
                                    tokens_per_day?: number | null;
                                };
                                /** @enum {string} */
                                scope: "role" | "user" | "endpoint" | "task";
                                subject: string;
                                target: {
                                    endpoint?: string;
                                    machine_id?: string;
                                    task_id?: string;
                                } | null;
                                /** Format: date-time */
                                updated_at: string;
                                updated_by: string;
                                user: string | null;
                            }[];
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        /**
         * Set the limits of a role, a user, an endpoint or a task (creates the rule or replaces its limits)
         * @description A field left out is inherited from the next rule (endpoint/task for the caller → endpoint/task → user → role); `null` lifts the limit. See the README, "Limits and usage".
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        limits: {
                            burst?: number | null;
                            calls_per_second?: number | null;
                            max_concurrent_runs?: number | null;
                            max_in_flight?: number | null;
                            runs_per_day?: number | null;
                            tokens_per_day?: number | null;
                        };
                        reason?: string;
                        /** @enum {string} */
                        scope: "role" | "user" | "endpoint" | "task";
                        subject: string;
                        user?: string | null;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            limits: {
                                burst?: number | null;
                                calls_per_second?: number | null;
                                max_concurrent_runs?: number | null;
                                max_in_flight?: number | null;
                                runs_per_day?: number | null;
                                tokens_per_day?: number | null;
                            };
                            /** @enum {string} */
                            scope: "role" | "user" | "endpoint" | "task";
                            subject: string;
                            target: {
                                endpoint?: string;
                                machine_id?: string;
                                task_id?: string;
                            } | null;
                            /** Format: date-time */
                            updated_at: string;
                            updated_by: string;
                            user: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/limits/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a limit rule */
        delete: {
            parameters: {
                query?: {
                    reason?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            deleted: true;
                            /** Format: uuid */
                            id: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/logs/enqueue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Enqueue call log (your own requests; everyone’s for administrators), newest first */
        get: {
            parameters: {
                query?: {
                    caller?: string;
                    cursor?: string;
                    limit?: number;
                    outcome?: "queued" | "failed" | "rejected";
                    run_id?: string;
                    since?: string;
                    task_id?: string;
                    until?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: date-time */
                                at: string;
                                attempts: number;
                                caller: string;
                                caller_subject?: string | null;
                                clearml_task_id: string | null;
                                correlation_id: string;
                                duration_ms: number;
                                error: string | null;
                                /** Format: uuid */
                                id: string;
                                /** @enum {string} */
                                outcome: "queued" | "failed" | "rejected";
                                queue: string | null;
                                /** @enum {string|null} */
                                route: "compat" | "v1" | null;
                                /** Format: uuid */
                                run_id: string | null;
                                task_id: string;
                                template_name: string | null;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/logs/ondemand": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** On-demand call log (your own calls; everyone’s for administrators), newest first */
        get: {
            parameters: {
                query?: {
                    caller?: string;
                    cursor?: string;
                    endpoint?: string;
                    limit?: number;
                    machine_id?: string;
                    outcome?: "ok" | "client_error" | "upstream_error" | "timeout" | "unavailable" | "circuit_open" | "not_found" | "forbidden" | "cancelled" | "rate_limited";
                    since?: string;
                    until?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: date-time */
                                at: string;
                                caller: string;
                                caller_subject?: string | null;
                                completion_tokens: number | null;
                                correlation_id: string;
                                duration_ms: number;
                                endpoint: string;
                                error: string | null;
                                /** Format: uuid */
                                id: string;
                                machine_id: string;
                                machine_name: string | null;
                                /** @enum {string} */
                                outcome: "ok" | "client_error" | "upstream_error" | "timeout" | "unavailable" | "circuit_open" | "not_found" | "forbidden" | "cancelled" | "rate_limited";
                                prompt_tokens: number | null;
                                request_bytes: number;
                                response_bytes: number;
                                response_excerpt: string | null;
                                /** @enum {string} */
                                route: "compat" | "v1" | "openai";
                                status_code: number;
                                upstream_ms: number | null;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/machines": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List serving machines (your own; all for administrators) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    enabled?: "true" | "false";
                    limit?: number;
                    name?: string;
                    sort?: "-created_at" | "created_at" | "name" | "-name";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                base_url: string;
                                /** Format: date-time */
                                created_at: string;
                                enabled: boolean;
                                endpoint_count: number;
                                /** Format: uuid */
                                id: string;
                                labels: {
                                    [key: string]: string;
                                };
                                machine_id: string;
                                max_in_flight: number | null;
                                metrics_url: string | null;
                                name: string;
                                owner: string;
                                owner_subject: string | null;
                                /** @enum {string} */
                                protocol: "clearml-serving" | "kserve-v2" | "openai";
                                serving_task_id: string | null;
                                /** Format: date-time */
                                updated_at: string;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register a serving machine (administrators may give its machine_id, e.g. a ClearML Utils hash) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        base_url: string;
                        enabled?: boolean;
                        labels?: {
                            [key: string]: string;
                        };
                        /** @description The public id to give the machine instead of a minted one, e.g. the hash ClearML Utils handed out (64 hex). Administrators only; unique across machines and tasks. */
                        machine_id?: string;
                        max_in_flight?: number | null;
                        metrics_url?: string | null;
                        name: string;
                        /** @enum {string} */
                        protocol: "clearml-serving" | "kserve-v2" | "openai";
                        serving_task_id?: string | null;
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            base_url: string;
                            /** Format: date-time */
                            created_at: string;
                            enabled: boolean;
                            endpoint_count: number;
                            /** Format: uuid */
                            id: string;
                            labels: {
                                [key: string]: string;
                            };
                            machine_id: string;
                            max_in_flight: number | null;
                            metrics_url: string | null;
                            name: string;
                            owner: string;
                            owner_subject: string | null;
                            /** @enum {string} */
                            protocol: "clearml-serving" | "kserve-v2" | "openai";
                            serving_task_id: string | null;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Conflict */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/machines/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a serving machine by id or public machine_id */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            base_url: string;
                            /** Format: date-time */
                            created_at: string;
                            enabled: boolean;
                            endpoint_count: number;
                            /** Format: uuid */
                            id: string;
                            labels: {
                                [key: string]: string;
                            };
                            machine_id: string;
                            max_in_flight: number | null;
                            metrics_url: string | null;
                            name: string;
                            owner: string;
                            owner_subject: string | null;
                            /** @enum {string} */
                            protocol: "clearml-serving" | "kserve-v2" | "openai";
                            serving_task_id: string | null;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a serving machine without endpoints */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            deleted: true;
                            /** Format: uuid */
                            id: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Conflict */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a serving machine */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        base_url?: string;
                        enabled?: boolean;
                        labels?: {
                            [key: string]: string;
                        };
                        max_in_flight?: number | null;
                        metrics_url?: string | null;
                        name?: string;
                        /** @enum {string} */
                        protocol?: "clearml-serving" | "kserve-v2" | "openai";
                        serving_task_id?: string | null;
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            base_url: string;
                            /** Format: date-time */
                            created_at: string;
                            enabled: boolean;
                            endpoint_count: number;
                            /** Format: uuid */
                            id: string;
                            labels: {
                                [key: string]: string;
                            };
                            machine_id: string;
                            max_in_flight: number | null;
                            metrics_url: string | null;
                            name: string;
                            owner: string;
                            owner_subject: string | null;
                            /** @enum {string} */
                            protocol: "clearml-serving" | "kserve-v2" | "openai";
                            serving_task_id: string | null;
                            /** Format: date-time */
                            updated_at: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Conflict */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/machines/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health of serving machines: recent calls and errors, the last failed call, the circuit breaker
         * @description Your own machines (any for administrators); others are left out. Calls and errors come from the call log, the circuit from every router replica.
         */
        get: {
            parameters: {
                query: {
                    ids: string;
                    window_minutes?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                calls: number;
                                /**
                                 * @description The circuit breaker: open if any router replica has it open, half_open if any is trying; unknown when no router answered
                                 * @enum {string}
                                 */
                                circuit: "closed" | "half_open" | "open" | "unknown";
                                /**
                                 * Format: date-time
                                 * @description When that circuit last changed state
                                 */
                                circuit_since: string | null;
                                error_rate: number | null;
                                errors: number;
                                last_error: {
                                    /** Format: date-time */
                                    at: string;
                                    endpoint: string;
                                    error: string | null;
                                    /** @enum {string} */
                                    outcome: "ok" | "client_error" | "upstream_error" | "timeout" | "unavailable" | "circuit_open" | "not_found" | "forbidden" | "cancelled" | "rate_limited";
                                    status_code: number;
                                } | null;
                                machine_id: string;
                                window_minutes: number;
                            }[];
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller: name, roles and what the gateway lets them do */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            can: {
                                /** @description administers everything and reads everyone’s logs and runs */
                                administer: boolean;
                                /** @description may call endpoints and start tasks shared with them */
                                call: boolean;
                                /** @description may register machines, endpoints and tasks */
                                register: boolean;
                            };
                            groups: string[];
                            /**
                             * @description The highest ClearGate role among the token’s roles
                             * @enum {string}
                             */
                            role: "Public" | "Observer" | "Manager" | "AreaManager" | "ToolAdmin" | "RootAdmin";
                            roles: string[];
                            subject: string;
                            username: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ondemand/{machineId}/{endpoint}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Call a model
         * @description The body is the model input, passed through untouched with its content type (JSON, an image...).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    endpoint: string;
                    machineId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "*/*": unknown;
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "*/*": unknown;
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Upstream error */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Unavailable or circuit open */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Upstream timeout */
                504: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List runs (your own; everyone’s for administrators), newest first */
        get: {
            parameters: {
                query?: {
                    caller?: string;
                    cursor?: string;
                    limit?: number;
                    status?: "accepted" | "retrying" | "queued" | "in_progress" | "completed" | "failed" | "stopped";
                    task_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                attempts: number;
                                caller: string;
                                caller_subject?: string | null;
                                clearml_task_id: string | null;
                                /** Format: date-time */
                                created_at: string;
                                error: string | null;
                                /** @enum {string|null} */
                                error_code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout" | null;
                                /** Format: date-time */
                                finished_at: string | null;
                                gpu_seconds: number | null;
                                params: {
                                    [key: string]: unknown;
                                };
                                queue: string;
                                /** Format: date-time */
                                queued_at: string | null;
                                /** Format: uuid */
                                run_id: string;
                                /** Format: date-time */
                                started_at: string | null;
                                /** @enum {string} */
                                status: "accepted" | "retrying" | "queued" | "in_progress" | "completed" | "failed" | "stopped";
                                task_id: string;
                                template_name: string | null;
                                /** Format: date-time */
                                updated_at: string;
                                worker: string | null;
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Start a run of a registered task
         * @description Answers 202 as soon as the run is stored; follow it with GET /v1/runs/{runId}?wait=…
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        params?: unknown;
                        queue?: string | null;
                        task_id: string;
                    };
                };
            };
            responses: {
                /** @description Accepted */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            run_id: string;
                            /** @enum {string} */
                            status: "accepted" | "retrying" | "queued" | "in_progress" | "completed" | "failed" | "stopped";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{runId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a run; with ?wait=<seconds>, wait for its next status change */
        get: {
            parameters: {
                query?: {
                    until_not?: string;
                    wait?: number;
                };
                header?: never;
                path: {
                    runId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attempts: number;
                            caller: string;
                            caller_subject?: string | null;
                            clearml_task_id: string | null;
                            /** Format: date-time */
                            created_at: string;
                            error: string | null;
                            /** @enum {string|null} */
                            error_code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout" | null;
                            /** Format: date-time */
                            finished_at: string | null;
                            gpu_seconds: number | null;
                            params: {
                                [key: string]: unknown;
                            };
                            queue: string;
                            /** Format: date-time */
                            queued_at: string | null;
                            /** Format: uuid */
                            run_id: string;
                            /** Format: date-time */
                            started_at: string | null;
                            /** @enum {string} */
                            status: "accepted" | "retrying" | "queued" | "in_progress" | "completed" | "failed" | "stopped";
                            task_id: string;
                            template_name: string | null;
                            /** Format: date-time */
                            updated_at: string;
                            worker: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sd/serving-machines": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus HTTP service discovery of the serving machines’ metrics endpoints */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            labels: {
                                [key: string]: string;
                            };
                            targets: string[];
                        }[];
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts of machines, endpoints, tasks and runs; request series with errors and p95 latency; the busiest endpoints and tasks */
        get: {
            parameters: {
                query?: {
                    hours?: number;
                    range?: "1h" | "24h" | "7d" | "30d";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            bucket_seconds: number;
                            busiest: {
                                endpoints: {
                                    calls: number;
                                    endpoint: string;
                                    errors: number;
                                    machine_id: string;
                                    machine_name: string | null;
                                    p95_ms: number | null;
                                }[];
                                tasks: {
                                    calls: number;
                                    errors: number;
                                    p95_ms: number | null;
                                    task_id: string;
                                    template_name: string | null;
                                }[];
                            };
                            counts: {
                                endpoints: number;
                                machines: number;
                                runs: {
                                    [key: string]: number;
                                };
                                tasks: number;
                            };
                            series: {
                                enqueue: {
                                    /** Format: date-time */
                                    at: string;
                                    calls: number;
                                    errors: number;
                                    p95_ms: number | null;
                                }[];
                                ondemand: {
                                    /** Format: date-time */
                                    at: string;
                                    calls: number;
                                    errors: number;
                                    p95_ms: number | null;
                                }[];
                            };
                            totals: {
                                enqueue: {
                                    calls: number;
                                    errors: number;
                                    p95_ms: number | null;
                                };
                                ondemand: {
                                    calls: number;
                                    errors: number;
                                    p95_ms: number | null;
                                };
                            };
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List runnable tasks (your own; all for administrators) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    name?: string;
                    sort?: "-created_at" | "created_at" | "name" | "-name";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                allowed_queues: string[];
                                clearml_task_id: string;
                                /** Format: date-time */
                                created_at: string;
                                default_queue: string;
                                enabled: boolean;
                                /** Format: uuid */
                                id: string;
                                name: string | null;
                                owner: string;
                                owner_subject: string | null;
                                params_schema: {
                                    [key: string]: unknown;
                                } | null;
                                params_section: string;
                                shared_with: {
                                    /** @default [] */
                                    groups: string[];
                                    /** @default [] */
                                    roles: string[];
                                    /** @default [] */
                                    users: string[];
                                };
                                task_id: string;
                                /** Format: date-time */
                                updated_at: string;
                                /** @enum {string} */
                                visibility: "public" | "private" | "shared";
                            }[];
                            next_cursor: string | null;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Register a ClearML task as runnable (administrators may give its task_id, e.g. a ClearML Utils hash) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        allowed_queues?: string[];
                        clearml_task_id: string;
                        default_queue: string;
                        enabled?: boolean;
                        name?: string | null;
                        params_schema?: {
                            [key: string]: unknown;
                        } | null;
                        params_section?: string;
                        shared_with?: {
                            /** @default [] */
                            groups?: string[];
                            /** @default [] */
                            roles?: string[];
                            /** @default [] */
                            users?: string[];
                        };
                        /** @description The public id to give the task instead of a minted one, e.g. the hash ClearML Utils handed out (64 hex). Administrators only; unique across machines and tasks. */
                        task_id?: string;
                        /** @enum {string} */
                        visibility?: "public" | "private" | "shared";
                    };
                };
            };
            responses: {
                /** @description Created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            allowed_queues: string[];
                            clearml_task_id: string;
                            /** Format: date-time */
                            created_at: string;
                            default_queue: string;
                            enabled: boolean;
                            /** Format: uuid */
                            id: string;
                            name: string | null;
                            owner: string;
                            owner_subject: string | null;
                            params_schema: {
                                [key: string]: unknown;
                            } | null;
                            params_section: string;
                            shared_with: {
                                /** @default [] */
                                groups: string[];
                                /** @default [] */
                                roles: string[];
                                /** @default [] */
                                users: string[];
                            };
                            task_id: string;
                            /** Format: date-time */
                            updated_at: string;
                            /** @enum {string} */
                            visibility: "public" | "private" | "shared";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Conflict */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a runnable task by id or public task_id */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            allowed_queues: string[];
                            clearml_task_id: string;
                            /** Format: date-time */
                            created_at: string;
                            default_queue: string;
                            enabled: boolean;
                            /** Format: uuid */
                            id: string;
                            name: string | null;
                            owner: string;
                            owner_subject: string | null;
                            params_schema: {
                                [key: string]: unknown;
                            } | null;
                            params_section: string;
                            shared_with: {
                                /** @default [] */
                                groups: string[];
                                /** @default [] */
                                roles: string[];
                                /** @default [] */
                                users: string[];
                            };
                            task_id: string;
                            /** Format: date-time */
                            updated_at: string;
                            /** @enum {string} */
                            visibility: "public" | "private" | "shared";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a runnable task without runs */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            deleted: true;
                            /** Format: uuid */
                            id: string;
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Conflict */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a runnable task */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        allowed_queues?: string[];
                        clearml_task_id?: string;
                        default_queue?: string;
                        enabled?: boolean;
                        name?: string | null;
                        params_schema?: {
                            [key: string]: unknown;
                        } | null;
                        params_section?: string;
                        shared_with?: {
                            /** @default [] */
                            groups?: string[];
                            /** @default [] */
                            roles?: string[];
                            /** @default [] */
                            users?: string[];
                        };
                        /** @enum {string} */
                        visibility?: "public" | "private" | "shared";
                    };
                };
            };
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            allowed_queues: string[];
                            clearml_task_id: string;
                            /** Format: date-time */
                            created_at: string;
                            default_queue: string;
                            enabled: boolean;
                            /** Format: uuid */
                            id: string;
                            name: string | null;
                            owner: string;
                            owner_subject: string | null;
                            params_schema: {
                                [key: string]: unknown;
                            } | null;
                            params_section: string;
                            shared_with: {
                                /** @default [] */
                                groups: string[];
                                /** @default [] */
                                roles: string[];
                                /** @default [] */
                                users: string[];
                            };
                            task_id: string;
                            /** Format: date-time */
                            updated_at: string;
                            /** @enum {string} */
                            visibility: "public" | "private" | "shared";
                        };
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Unknown id */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Usage: on-demand calls (errors, total and p95 duration, bytes) and runs (wait, running and GPU time) per day or month
         * @description Administrators read everyone (`user` for one caller) grouped by user, endpoint, task or queue; everyone else their own. The range is whole UTC days (default: the last 30). A run counts on the day it was requested. The p95 is estimated from fixed duration buckets (exact to the bucket). `format=csv` (or `Accept: text/csv`) answers CSV.
         */
        get: {
            parameters: {
                query?: {
                    bucket?: "day" | "month";
                    format?: "json" | "csv";
                    from?: string;
                    group_by?: "none" | "user" | "endpoint" | "task" | "queue";
                    to?: string;
                    user?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OK */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            bucket: "day" | "month";
                            /** Format: date-time */
                            from: string;
                            /** @enum {string} */
                            group_by: "none" | "user" | "endpoint" | "task" | "queue";
                            ondemand: {
                                /** @description Start of the day or month, UTC (ISO 8601, e.g. 2026-11-01T00:00:00.000Z) */
                                bucket: string;
                                /** @description On-demand calls (a whole number) */
                                calls: number;
                                /** @description Completion tokens LLM endpoints reported (0 for other models) (a whole number) */
                                completion_tokens: number;
                                /** @description Estimated from fixed duration buckets: exact to the bucket */
                                duration_ms_p95: number | null;
                                duration_ms_total: number;
                                endpoint?: string;
                                /** @description Calls not answered with the model's own 2xx (errors of the machine, the route, refusals) (a whole number) */
                                errors: number;
                                /** @description Public id of the serving machine (64 hex characters) */
                                machine_id?: string;
                                /** @description Prompt tokens LLM endpoints reported (0 for other models) (a whole number) */
                                prompt_tokens: number;
                                /** @description Bytes of model input (a whole number) */
                                request_bytes: number;
                                /** @description Bytes of model answers (a whole number) */
                                response_bytes: number;
                                user?: string;
                            }[] | null;
                            runs: {
                                /** @description Start of the day or month, UTC (ISO 8601, e.g. 2026-11-01T00:00:00.000Z) */
                                bucket: string;
                                /** @description Of those, completed (a whole number) */
                                completed: number;
                                /** @description failed (a whole number) */
                                failed: number;
                                gpu_seconds: number;
                                queue?: string;
                                run_seconds: number;
                                /** @description Runs requested in the bucket (a run counts on the day it was requested) (a whole number) */
                                runs: number;
                                /** @description stopped (a whole number) */
                                stopped: number;
                                /** @description Public id of the task (64 hex characters) */
                                task_id?: string;
                                user?: string;
                                wait_seconds: number;
                            }[] | null;
                            /** Format: date-time */
                            to: string;
                        };
                        "text/csv": string;
                    };
                };
                /** @description Invalid input */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Missing or invalid access token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Role or ownership does not allow it */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
                /** @description Over a limit: wait the seconds of `Retry-After` (also in `error.details.retry_after_s`) */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @enum {string} */
                                code: "invalid_argument" | "unauthenticated" | "forbidden" | "not_found" | "method_not_allowed" | "request_timeout" | "conflict" | "payload_too_large" | "uri_too_long" | "unsupported_media_type" | "rate_limited" | "headers_too_large" | "internal" | "upstream_error" | "unavailable" | "circuit_open" | "upstream_timeout";
                                details?: unknown;
                                message: string;
                            };
                            request_id: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
