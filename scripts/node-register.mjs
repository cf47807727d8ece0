// Lets plain Node run our TypeScript sources (via tsx) with `.wgsl?raw` imports.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./wgsl-loader.mjs', import.meta.url);
registerTsx();
