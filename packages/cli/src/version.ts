/** This package's version, as `--version` and SARIF's `tool.driver.version` report it (a test keeps it equal to package.json's). */
export const CLI_VERSION = '0.1.0'
