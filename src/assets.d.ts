// Files embedded with `import … with { type: "file" }`: the import is the file's path (inside the
// compiled binary, a path Bun.file reads from the executable).
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
