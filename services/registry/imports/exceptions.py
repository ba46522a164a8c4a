from shared.errors import AppError


class PayloadTooLarge(AppError):
    status = 413
    problem = "payload-too-large"
    title = "The upload is too large"
