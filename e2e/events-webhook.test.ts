// Events published to a real webhook (receiver served by the test): the suite every target kind runs.
import { eventSuite } from "./helpers/event-suite.ts";

eventSuite("webhook");
