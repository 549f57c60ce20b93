# Dixie on ECS Fargate behind the shared ALB.
#
# Secrets (Secrets Manager → container env, injected by ECS with the execution role):
#   DATABASE_URL, DIXIE_JWT_PRIVATE_KEY (ES256 PKCS#8 PEM), DIXIE_ADMIN_KEY,
#   DIXIE_SCHEDULE_CALLBACK_SECRET, DIXIE_JWT_PREVIOUS_KEY while a key rotation is on, and
#   FINN_AUTH_TOKEN when Finn has a bearer token.
# Plain env: FINN_URL, REDIS_URL, NATS_URL, and the non-secret settings below.
# The execution role may read exactly those secret ARNs; the task role gets no secret access.

provider "aws" {
  region = var.aws_region
}

data "aws_caller_identity" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

# ---------------------------------------------------------------------------------------------
# Secrets

data "aws_secretsmanager_secret" "database_url" {
  name = var.secret_names.database_url
}

data "aws_secretsmanager_secret" "jwt_private_key" {
  name = var.secret_names.jwt_private_key
}

data "aws_secretsmanager_secret" "admin_key" {
  name = var.secret_names.admin_key
}

data "aws_secretsmanager_secret" "callback_secret" {
  name = var.secret_names.callback_secret
}

data "aws_secretsmanager_secret" "jwt_previous_key" {
  count = var.jwt_previous_key_secret_name == "" ? 0 : 1
  name  = var.jwt_previous_key_secret_name
}

data "aws_secretsmanager_secret" "finn_auth_token" {
  count = var.finn_auth_token_secret_name == "" ? 0 : 1
  name  = var.finn_auth_token_secret_name
}

data "aws_secretsmanager_secret" "metrics_token" {
  count = var.metrics_token_secret_name == "" ? 0 : 1
  name  = var.metrics_token_secret_name
}

locals {
  # env var → secret ARN; the task definition and the IAM policy both read this one map.
  secrets = merge(
    {
      DATABASE_URL                   = data.aws_secretsmanager_secret.database_url.arn
      DIXIE_JWT_PRIVATE_KEY          = data.aws_secretsmanager_secret.jwt_private_key.arn
      DIXIE_ADMIN_KEY                = data.aws_secretsmanager_secret.admin_key.arn
      DIXIE_SCHEDULE_CALLBACK_SECRET = data.aws_secretsmanager_secret.callback_secret.arn
    },
    { for s in data.aws_secretsmanager_secret.jwt_previous_key : "DIXIE_JWT_PREVIOUS_KEY" => s.arn },
    { for s in data.aws_secretsmanager_secret.finn_auth_token : "FINN_AUTH_TOKEN" => s.arn },
    { for s in data.aws_secretsmanager_secret.metrics_token : "DIXIE_METRICS_TOKEN" => s.arn },
  )
  secret_arns = sort(distinct(values(local.secrets)))

  environment = {
    DIXIE_ENV                 = "production"
    DIXIE_HOST                = "0.0.0.0"
    DIXIE_PORT                = "3001"
    FINN_URL                  = var.finn_service_url
    DIXIE_ALLOWLIST_PATH      = "/data/allowlist.json"
    DIXIE_SIWE_DOMAINS        = var.siwe_domains
    DIXIE_CORS_ORIGINS        = var.cors_origins
    DIXIE_SHUTDOWN_GRACE_SECS = "25"
    # One proxy (the ALB) appends to X-Forwarded-For: the client is its last entry.
    DIXIE_TRUSTED_PROXY_HOPS = "1"
    # Also the keep-alive idle limit: above the ALB's 60 s idle timeout, so the ALB never
    # reuses a connection Dixie is closing (502s). The ALB buffers headers, so slow clients
    # never reach the task.
    DIXIE_HEADER_READ_TIMEOUT_SECS = "75"
    LOG_LEVEL                      = "info"
    REDIS_URL                      = var.redis_url
    NATS_URL                       = var.nats_url
    OTEL_EXPORTER_OTLP_ENDPOINT    = var.otel_exporter_otlp_endpoint
  }

  container_port = 3001
}

# ---------------------------------------------------------------------------------------------
# Logs, encrypted with a key of their own

resource "aws_kms_key" "logs" {
  description         = "Dixie CloudWatch logs and alarm topic"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsUse"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.aws_region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:${var.aws_region}:${data.aws_caller_identity.current.account_id}:log-group:/ecs/dixie"
          }
        }
      },
      {
        Sid       = "AlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "dixie" {
  name              = "/ecs/dixie"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# ---------------------------------------------------------------------------------------------
# Network: ingress only from the ALB; egress by port, data stores to the VPC range only

resource "aws_security_group" "dixie" {
  name        = "dixie-bff"
  description = "Dixie tasks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  security_group_id            = aws_security_group.dixie.id
  description                  = "HTTP from the ALB"
  referenced_security_group_id = var.alb_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
}

locals {
  vpc_egress = {
    postgres = { port = 5432, description = "PostgreSQL (DATABASE_URL)" }
    nats     = { port = 4222, description = "NATS (NATS_URL)" }
    redis    = { port = 6379, description = "Redis (REDIS_URL)" }
    finn     = { port = 3000, description = "Finn runtime (FINN_URL)" }
    efs      = { port = 2049, description = "EFS for /data" }
  }
}

resource "aws_vpc_security_group_egress_rule" "vpc" {
  for_each          = local.vpc_egress
  security_group_id = aws_security_group.dixie.id
  description       = each.value.description
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.dixie.id
  description       = "HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# ---------------------------------------------------------------------------------------------
# IAM: the execution role pulls the image, writes logs and reads exactly the task's secrets;
# the task role (the application) may only use the EFS access point.

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "dixie_execution" {
  name               = "dixie-bff-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "dixie_execution" {
  role       = aws_iam_role.dixie_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "dixie_secrets" {
  statement {
    sid       = "ReadDixieSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns
  }
}

resource "aws_iam_role_policy" "dixie_secrets" {
  name   = "dixie-secrets-access"
  role   = aws_iam_role.dixie_execution.id
  policy = data.aws_iam_policy_document.dixie_secrets.json
}

resource "aws_iam_role" "dixie_task" {
  name               = "dixie-bff-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "dixie_efs" {
  statement {
    sid       = "MountDixieData"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = ["arn:aws:elasticfilesystem:${var.aws_region}:${data.aws_caller_identity.current.account_id}:file-system/${var.efs_id}"]
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.dixie_data.arn]
    }
  }
}

resource "aws_iam_role_policy" "dixie_efs" {
  name   = "dixie-efs-access"
  role   = aws_iam_role.dixie_task.id
  policy = data.aws_iam_policy_document.dixie_efs.json
}

# ---------------------------------------------------------------------------------------------
# /data on EFS (the allowlist file), owned by the image's non-root user (65532)

resource "aws_efs_access_point" "dixie_data" {
  file_system_id = var.efs_id
  posix_user {
    uid = 65532
    gid = 65532
  }
  root_directory {
    path = "/dixie-data"
    creation_info {
      owner_uid   = 65532
      owner_gid   = 65532
      permissions = "750"
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Task definition and service

resource "aws_ecs_task_definition" "dixie" {
  family                   = "dixie-bff"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.dixie_execution.arn
  task_role_arn            = aws_iam_role.dixie_task.arn

  volume {
    name = "dixie-data"
    efs_volume_configuration {
      file_system_id     = var.efs_id
      transit_encryption = "ENABLED"
      authorization_config {
        access_point_id = aws_efs_access_point.dixie_data.id
        iam             = "ENABLED"
      }
    }
  }

  container_definitions = jsonencode([
    {
      name                   = "dixie"
      image                  = "${var.dixie_image}:${var.dixie_image_tag}"
      essential              = true
      user                   = "65532:65532"
      readonlyRootFilesystem = true
      portMappings           = [{ containerPort = local.container_port, protocol = "tcp" }]
      environment            = [for k, v in local.environment : { name = k, value = v } if v != ""]
      secrets                = [for k, arn in local.secrets : { name = k, valueFrom = arn }]
      mountPoints            = [{ sourceVolume = "dixie-data", containerPath = "/data", readOnly = false }]
      # SIGTERM → drain up to DIXIE_SHUTDOWN_GRACE_SECS (25 s) before ECS kills at 30 s.
      stopTimeout = 30
      healthCheck = {
        command     = ["CMD", "/usr/local/bin/dixie", "healthcheck"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.dixie.name
          awslogs-region        = var.aws_region
          awslogs-stream-prefix = "dixie"
        }
      }
    }
  ])
}

resource "aws_lb_target_group" "dixie" {
  name = "dixie-bff"
  port = local.container_port
  # checkov:skip=CKV_AWS_378: TLS terminates at the ALB's HTTPS listener; the hop to the task stays inside the private subnets
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
  # Connections get the drain window of the task.
  deregistration_delay = 25

  health_check {
    path                = "/api/health"
    matcher             = "200"
    healthy_threshold   = 2
    unhealthy_threshold = 3
    interval            = 30
    timeout             = 5
  }
}

resource "aws_lb_listener_rule" "dixie" {
  listener_arn = var.alb_listener_arn
  priority     = 200
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.dixie.arn
  }
  condition {
    host_header {
      values = [var.host_header]
    }
  }
}

resource "aws_ecs_service" "dixie" {
  name            = "dixie-bff"
  cluster         = var.ecs_cluster_id
  task_definition = aws_ecs_task_definition.dixie.arn
  desired_count   = var.desired_count
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.dixie.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.dixie.arn
    container_name   = "dixie"
    container_port   = local.container_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}

# ---------------------------------------------------------------------------------------------
# Autoscaling on CPU, and the alarm that no task is healthy

resource "aws_appautoscaling_target" "dixie" {
  service_namespace  = "ecs"
  resource_id        = "service/${element(split("/", var.ecs_cluster_id), length(split("/", var.ecs_cluster_id)) - 1)}/${aws_ecs_service.dixie.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.desired_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "dixie_cpu" {
  name               = "dixie-cpu-70"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.dixie.service_namespace
  resource_id        = aws_appautoscaling_target.dixie.resource_id
  scalable_dimension = aws_appautoscaling_target.dixie.scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value       = 70
    scale_in_cooldown  = 60
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_sns_topic" "dixie_alarms" {
  name              = "dixie-alarms"
  kms_master_key_id = aws_kms_key.logs.arn
}

resource "aws_cloudwatch_metric_alarm" "unhealthy" {
  alarm_name          = "DixieBFFUnhealthy"
  alarm_description   = "No healthy Dixie task behind the ALB"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  statistic           = "Minimum"
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  period              = 60
  evaluation_periods  = 3
  dimensions = {
    TargetGroup = aws_lb_target_group.dixie.arn_suffix
  }
  alarm_actions = [aws_sns_topic.dixie_alarms.arn]
}
