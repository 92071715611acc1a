// The `nodered-4` Jest project: the package's flows in Node-RED 4 (the `node-red-4` npm alias).
process.env.NODE_RED_PACKAGE = 'node-red-4';
