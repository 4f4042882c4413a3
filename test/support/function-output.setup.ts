import { captureFunctionOutput } from '../../local/function-output';

// Handlers write one EMF metric line per request; tests that read them subscribe themselves. Log lines pass as before.
captureFunctionOutput();
