/**
 * An error that tells the engine the resource exists despite the failure: the dynamic-provider plugin
 * reads `id` and `properties` off the thrown error and the engine keeps the resource in state with those
 * outputs, so the next `up` continues with an update instead of orphaning what was created.
 */
export class PartialFailure extends Error {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];

  constructor(id: string, properties: Record<string, unknown>, reason: string) {
    super(reason);
    this.name = "PartialFailure";
    this.id = id;
    this.properties = properties;
    this.reasons = [reason];
  }
}
