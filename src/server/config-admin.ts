import type { ConfigAdmin } from '../broker/index.js';
import type { LocalController } from '../controller/index.js';
import type { MetadataImage } from '../metadata/index.js';
import { type ConfigDescriberContext, describeConfigResource } from './config-describer.js';

/** The broker's ConfigAdmin port: describing reads the newest image, altering goes to the controller. */
export function createConfigAdmin(
  image: () => MetadataImage,
  controller: Pick<LocalController, 'alterConfigs'>,
  context: ConfigDescriberContext,
): ConfigAdmin {
  return {
    describeConfigs: (resource, keys) => describeConfigResource(image(), resource, keys, context),
    alterConfigs: (resources, options) => controller.alterConfigs(resources, options),
  };
}
