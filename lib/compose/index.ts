export * from "./service";
export * from "./image-reference";
export * from "./duration";
export * from "./memory";
export * from "./port-binding";
export * from "./validate";
export * from "./import";
export * from "./export";
