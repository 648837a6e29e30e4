"""Monitoring: who is told when the cache fails, and a dashboard of how it is doing.

Modules: ``settings`` (``MonitoringSettings``: no CDK), ``events`` (the EventBridge pattern for ECR's
failed pull-through actions: no CDK), ``pull_through_events`` (the rule, the function that counts and
tells, ``metric_failures``), ``cache_monitoring`` (``CacheMonitoring``: topic, alarms, dashboard),
``dashboard``. Metrics live on what is measured (``CacheWarmer.metric_*``,
``PullThroughFailureEvents.metric_failures``); alarms and actions live here. Importing the package loads
none of them.
"""
