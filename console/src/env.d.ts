/// <reference types="vite/client" />

// console/operations.ts loads each console/src/operations/<Name>.graphql as its persisted operation.
declare module '*.graphql' {
  const operation: import('./graphql.js').Operation;
  export default operation;
}
