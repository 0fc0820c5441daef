/**
 * `clustertwin report serve`: the serving report (latency percentiles against load, cost per
 * million tokens). Skeleton while the report is built: the charts-and-serving work fills it in.
 */
import { Command } from '@commander-js/extra-typings';
import { ClusterTwinError } from '../../errors.js';

export function reportServeCommand(): Command<any, any> {
  return new Command('serve')
    .description('a serving report: latency percentiles against load and the cost per million tokens')
    .action(() => {
      throw new ClusterTwinError('invalid_value', 'report serve', 'not built yet');
    });
}
