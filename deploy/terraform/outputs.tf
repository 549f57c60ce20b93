output "dixie_service_url" {
  description = "Public URL of the service"
  value       = "https://${var.host_header}"
}

output "dixie_task_definition_arn" {
  description = "ARN of the task definition revision this apply created"
  value       = aws_ecs_task_definition.dixie.arn
}

output "dixie_secret_arns" {
  description = "The secrets the task reads; the execution role may read exactly these"
  value       = local.secret_arns
}
