/** The plugin's version, printed in every generated file's header. A test keeps it equal to the version of both packages (packages/grpckit, packages/protoc-gen-grpckit). */
export const version = "0.1.0";
