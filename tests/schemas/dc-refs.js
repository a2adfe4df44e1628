// ajv-cli custom module: register the devcontainer schemas under the keys their $refs use, and stub the VS
// Code settings schema (vscode://schemas/settings/machine cannot be resolved outside VS Code).
const fs = require("fs"), path = require("path");
const dir = process.env.DC_SCHEMA_DIR || __dirname;
const load = f => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
module.exports = ajv => {
  ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-07.json"));   // the vscode schemas are draft-07
  ajv.addSchema(load("devContainer.base.schema.json"), "devContainer.base.schema.json");
  const vs = "https://raw.githubusercontent.com/microsoft/vscode/main/extensions/configuration-editing/schemas/";
  ajv.addSchema(load("devContainer.codespaces.schema.json"), vs + "devContainer.codespaces.schema.json");
  ajv.addSchema(load("devContainer.vscode.schema.json"), vs + "devContainer.vscode.schema.json");
  ajv.addSchema({ type: "object" }, "vscode://schemas/settings/machine");
};
