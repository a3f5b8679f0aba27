// Where the HTTP surfaces beside S3 live. An underscore makes each no valid bucket name, so none
// shadows a bucket. Kept apart from the routes themselves, which are imported on first use.
export const ADMIN_PREFIX = "/_bleepstore/admin";
export const CONSOLE_PREFIX = "/_bleepstore/console";
