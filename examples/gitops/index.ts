// The program `pulumi up` runs: the resources are declared in program.ts, from pcaps.yaml.
import { gitops } from "./program";

export const { buckets, captures, waitingForValidation } = gitops();
