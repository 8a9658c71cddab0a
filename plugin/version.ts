/** The plugin's version, printed in every generated file's header. A test keeps it equal to package.json's. */
export const version = "0.1.0";
