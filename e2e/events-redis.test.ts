// Events published to a real redis (broker started on loopback): the suite every target kind runs.
import { eventSuite } from "./helpers/event-suite.ts";

eventSuite("redis");
