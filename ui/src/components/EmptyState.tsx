export function EmptyState({ heading, body }: { heading: string; body: string }) {
  return (
    <div className="empty-state" role="status">
      <h2>{heading}</h2>
      <p>{body}</p>
    </div>
  );
}
