import { Queue } from "./async-code.js";

export default new Queue();
