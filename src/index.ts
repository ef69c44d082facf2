// The plugin's commands live in src/commands; oclif finds them through package.json.
export {};
